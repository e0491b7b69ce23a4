"""The simulation: what happens each day, before anything is written.

``push_lists`` draws the day's batches of people (``people``), ``verifications`` plans
when each record is checked, ``enterprises`` draws every enterprise's filings and
``checkpoint_traffic`` the pools checkpoint logs are drawn from. The rows wait there
until ``deliver`` writes them into that day's files.
"""
