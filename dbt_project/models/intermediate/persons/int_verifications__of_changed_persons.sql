{{ config(materialized='view') }}
-- The linked verifications of the persons int_person_inputs marks as changed
-- (orphans belong to no person yet and are left out).
with

verifications as (
    select * from {{ ref('int_verifications__linked') }}
),

changed_persons as (
    select person_key from {{ ref('int_person_inputs') }}
    where is_changed
)

select * from verifications  -- noqa: AM04
where person_key in (select changed_persons.person_key from changed_persons)
