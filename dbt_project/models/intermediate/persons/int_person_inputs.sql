-- One row per person with a fingerprint of every input the person-level
-- incremental models (int_push_records__enriched, int_persons) read about them:
-- every column of their push records and of their linked verifications, and the
-- area reference that attribution resolves streets through. A person whose
-- fingerprint is unchanged since the last build keeps their rows; the others
-- (new, changed, or joined by a record that an identity link moved) are
-- computed again. is_changed compares with the fingerprints
-- int_push_records__enriched holds, read before it is rebuilt.
-- The fingerprint is an order-free XOR of one 64-bit hash per input row, each
-- row hashed whole, so a column added to an input is covered without a change here.
{%- set held = held_person_inputs() %}
with

push_records as (
    select * from {{ ref('int_push_records__identified') }}
),

verifications as (
    select * from {{ ref('int_verifications__linked') }}
    where not is_orphan
),

areas as (
    select * from {{ ref('stg_raw__areas') }}
),

record_hashes as (
    select
        person_key,
        bit_xor(hash(push_records)) as records_hash
    from push_records
    group by person_key
),

verification_hashes as (
    select
        person_key,
        bit_xor(hash(verifications)) as verifications_hash
    from verifications
    group by person_key
),

reference_hash as (
    select bit_xor(hash(areas)) as areas_hash
    from areas
),

fingerprints as (
    select
        record_hashes.person_key,
        hash(
            record_hashes.records_hash,
            verification_hashes.verifications_hash,
            reference_hash.areas_hash
        ) as input_fingerprint
    from record_hashes
    cross join reference_hash
    left join verification_hashes on record_hashes.person_key = verification_hashes.person_key
),

-- the fingerprints held: none on a first or full-refresh build
held_fingerprints as (
    {% if held is not none %}
        select distinct
            person_key,
            input_fingerprint
        from {{ held }}
    {% else %}
        select
            cast(null as varchar) as person_key,
            cast(null as ubigint) as input_fingerprint
        where false
    {% endif %}
)

select
    fingerprints.person_key,
    fingerprints.input_fingerprint,
    held_fingerprints.person_key is null as is_changed
from fingerprints
left join held_fingerprints
    on
        fingerprints.person_key = held_fingerprints.person_key
        and fingerprints.input_fingerprint = held_fingerprints.input_fingerprint
