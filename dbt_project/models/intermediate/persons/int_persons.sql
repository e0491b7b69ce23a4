{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        database=target.database,
        pre_hook="{{ delete_persons_with_changed_inputs() }}"
    )
}}
-- One row per person (one person, one file): push history, the latest terminal
-- verification, and masked personal values. Raw values stay in this warehouse
-- layer; only the masked columns reach the marts.
-- Incremental by person, like int_push_records__enriched but against the
-- fingerprints held here, so a build that stopped between the two models is
-- caught up by the next one.
with

inputs as (
    select * from {{ ref('int_person_inputs') }}
),

-- the persons whose rows are held (after the pre-hook: inputs unchanged)
held_persons as (
    {% if is_incremental() %}
        select person_key from {{ this }}
    {% else %}
        select cast(null as varchar) as person_key
        where false
    {% endif %}
),

-- every person on a first build; afterwards the persons whose rows the pre-hook
-- deleted (inputs changed) and the new ones
persons_to_compute as (
    select
        inputs.person_key,
        inputs.input_fingerprint
    from inputs
    where not exists (
            select 1
            from held_persons
            where held_persons.person_key = inputs.person_key
        )
),

push_records as (
    select * from {{ ref('int_push_records__enriched') }}
    where person_key in (select persons_to_compute.person_key from persons_to_compute)
),

-- one identity per person: a person whose early records were purged also holds
-- them under a tokenised identity ('RIC:~…', gridwatch purge); the live one wins
identities as (
    select
        person_key,
        coalesce(
            any_value(identity) filter (where not contains(identity, ':~')),
            any_value(identity)
        ) as identity
    from {{ ref('int_push_records__identified') }}
    where person_key in (select persons_to_compute.person_key from persons_to_compute)
    group by person_key
),

verifications as (
    select * from {{ ref('int_verifications__linked') }}
    where
        not is_orphan
        and person_key in (select persons_to_compute.person_key from persons_to_compute)
),

push_history as (
    select
        person_key,
        min(issued_at) as first_pushed_at,
        max(issued_at) as last_pushed_at,
        count(*) as push_records,
        count(distinct topic) as topics,
        arg_max(person_name, person_record_seq) as person_name,
        arg_max(phone, person_record_seq) filter (where phone is not null) as phone,
        arg_max(id_number, person_record_seq) filter (where id_number is not null) as id_number
    from push_records
    group by person_key
),

latest_terminal as (
    select
        person_key,
        outcome,
        measure,
        measure_until,
        community_code,
        grid_code
    from verifications
    where is_terminal
    qualify row_number() over (
            partition by person_key
            order by verified_at desc, delivery_date desc, file_name desc, row_number desc
        ) = 1
)

select
    push_history.person_key,
    split_part(identities.identity, ':', 1) as identity_kind,
    push_history.person_name,
    case
        when split_part(identities.identity, ':', 1) in ('RIC', 'PASSPORT', 'HKMO', 'TW', 'OTHER')
            then split_part(identities.identity, ':', 2)
        else push_history.id_number
    end as id_number,
    push_history.phone,
    case
        when split_part(identities.identity, ':', 1) = 'RIC' and not contains(identities.identity, ':~')
            then
                case
                    when cast(substr(identities.identity, 21, 1) as integer) % 2 = 1 then 'M'
                    else 'F'
                end
    end as gender,
    case
        when split_part(identities.identity, ':', 1) = 'RIC' and not contains(identities.identity, ':~')
            then cast(substr(identities.identity, 11, 4) as integer)
    end as birth_year,
    push_history.first_pushed_at,
    push_history.last_pushed_at,
    push_history.push_records,
    push_history.topics,
    latest_terminal.outcome as last_terminal_outcome,
    latest_terminal.measure,
    latest_terminal.measure_until,
    latest_terminal.community_code as last_terminal_community_code,
    latest_terminal.grid_code as last_terminal_grid_code,
    persons_to_compute.input_fingerprint
from push_history
inner join identities on push_history.person_key = identities.person_key
inner join persons_to_compute on push_history.person_key = persons_to_compute.person_key
left join latest_terminal on push_history.person_key = latest_terminal.person_key
