select
    suite,
    cast(run_date as date) as run_date,
    gate,
    expectation,
    column_name,
    severity,
    success,
    observed_value,
    cast(validated_at as timestamp) as validated_at
from {{ source('raw', 'quality_results') }}
