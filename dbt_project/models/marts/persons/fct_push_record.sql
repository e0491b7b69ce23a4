-- One row per push record: its person (pseudonymised), deadline, attribution and
-- how and when it was satisfied (contract §8, §9).
with

push_records as (
    select * from {{ ref('int_push_records__enriched') }}
)

select
    batch_id,
    record_no,
    topic,
    person_key,
    issued_at,
    deadline_at,
    street_code,
    community_code,
    grid_code,
    is_repeat_push,
    satisfied_at,
    satisfying_outcome,
    hours_to_verify,
    met_deadline,
    id_valid,
    phone_valid
from push_records
