"""The global lock order. Every service that takes row locks in more than one table takes them in this order,
each table's rows in primary-key order, so two transactions can never wait on each other in a cycle:

    1. checkout (the buyer's checkout row), or the order (an order is created under its checkout's lock;
       later services lock the order row itself)
    2. stock levels (inventory.locks), by primary key
    3. voucher, then gift card
    4. payment: an instalment plan, then its instalments, then the payment rows
    5. invoice number counter

Locks are taken on plain rows, without joins: MariaDB has no `SELECT ... FOR UPDATE OF`, and a join would
lock the joined rows too. Where one counter changes, a conditional `UPDATE ... WHERE available >= n` with a
row-count check is preferred to a lock.
"""
