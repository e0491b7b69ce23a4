"""Operations: the daily run, the Airflow tasks and services, schedule and alerts."""
