"""Taxes: how much tax each line and the shipping carry, behind one protocol the totals call.

`calculators` holds the protocol and the zero-tax `NoTax`; `calculator.RatesCalculator` (registered as
"rates", the default `TAX_CALCULATOR`) charges the rates of tax zones per tax class (`models`, imported by
`imports` and the `import_tax_rates` / `import_us_sales_tax` commands) under each channel's `TaxSettings`,
with the arithmetic in `engine` and the cached reads in `zones`. docs/taxes.md is the merchant's guide.
"""
