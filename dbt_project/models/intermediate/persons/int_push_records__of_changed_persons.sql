{{ config(materialized='view') }}
-- The push records of the persons int_person_inputs marks as changed: the only
-- records int_push_records__satisfied, __attributed and __enriched compute again.
with

push_records as (
    select * from {{ ref('int_push_records__identified') }}
),

changed_persons as (
    select person_key from {{ ref('int_person_inputs') }}
    where is_changed
)

select * from push_records  -- noqa: AM04
where person_key in (select changed_persons.person_key from changed_persons)
