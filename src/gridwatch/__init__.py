"""gridwatch: community epidemic-prevention data pipeline."""
