-- One row per person with a fingerprint of everything int_person_days reads
-- about them (their push records, satisfaction and attribution, and their
-- terminal verifications). A person whose fingerprint changed since the last
-- build has every report date recomputed; everyone else only gets the new dates.
-- The fingerprint is an order-free XOR of one 64-bit hash per input row, each
-- row hashed whole as in int_person_inputs, so a column added to an input is
-- covered without a change here; it costs one pass over the inputs.
with

push_records as (
    select * from {{ ref('int_push_records__enriched') }}
),

terminal_verifications as (
    select * from {{ ref('int_verifications__linked') }}
    where is_terminal and not is_orphan
),

record_fingerprints as (
    select
        person_key,
        min(issue_date) as first_issue_date,
        bit_xor(hash(push_records)) as records_hash
    from push_records
    group by person_key
),

verification_fingerprints as (
    select
        person_key,
        bit_xor(hash(terminal_verifications)) as verifications_hash
    from terminal_verifications
    group by person_key
)

select
    record_fingerprints.person_key,
    record_fingerprints.first_issue_date,
    hash(
        record_fingerprints.records_hash, verification_fingerprints.verifications_hash
    ) as person_fingerprint
from record_fingerprints
left join verification_fingerprints
    on record_fingerprints.person_key = verification_fingerprints.person_key
