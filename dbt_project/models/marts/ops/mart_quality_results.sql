-- Every quality-gate result: one row per expectation, suite and run date,
-- for the pipeline-health dashboard. Blocking failures stopped the day's publish;
-- warnings were recorded and the day went on. The gates refresh this mart after
-- storing their results, so the file they publish carries them.
select
    suite,
    run_date,
    expectation,
    column_name,
    severity,
    success,
    observed_value,
    validated_at
from {{ ref('stg_raw__quality_results') }}
