-- The values a checkpoint event can match a pushed person by (contract §7): the
-- number of a person's RIC identity, and every valid phone on the person's push
-- records. A RIC belongs to one person; a phone may belong to several.
with

push_records as (
    select * from {{ ref('int_push_records__identified') }}
),

ric_keys as (
    select distinct
        'RIC' as key_kind,
        split_part(identity, ':', 2) as key_value,
        person_key
    from push_records
    where identity_kind = 'RIC'
),

phone_keys as (
    select distinct
        'PHONE' as key_kind,
        phone as key_value,
        person_key
    from push_records
    where phone_valid
)

select * from ric_keys
union all
select * from phone_keys
