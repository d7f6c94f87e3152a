"""Buy now, pay later, natively: an order paid in instalments on the buyer's saved card.

- `schedule.py`  how a total is split into instalments and when each falls due (pure functions);
- `offers.py`    the offers a merchant sets per channel and which ones a basket is eligible for;
- `services.py`  plans: started with the first instalment at checkout, charged off-session when due,
                 retried, defaulted, cancelled;
- `queries.py`   what the buyer and the merchant see of a plan;
- `invariants.py` `check_invariants`: every plan adds up and no instalment was charged twice.

The models live in `comptoir/payments/instalment_models.py` (part of the payments app).
"""
