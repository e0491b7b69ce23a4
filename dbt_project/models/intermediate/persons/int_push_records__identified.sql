-- Identity resolution, one person one file (contract §7):
--   1. a valid identity number           -> '<id_type>:<number>'
--   2. else a valid phone and a name shared with records carrying exactly one
--      valid identity                    -> that identity
--   3. else a valid phone and a name     -> 'PHN:<phone>:<name>'
--   4. else                              -> 'REC:<batch_id>:<record_no>'
-- person_key is a keyed pseudonym (HMAC-SHA256 with GRIDWATCH_PII_KEY) of it; a
-- record whose values were purged (tokens '~…', gridwatch purge) keeps the
-- person_key it had, from stg_raw__purged_identities.
with

push_records as (
    select * from {{ ref('int_push_records__deduplicated') }}
),

with_own_identity as (
    select
        *,
        case when id_valid then id_type || ':' || id_number end as own_identity,
        phone_valid and person_name is not null as has_phone_and_name
    from push_records
),

identities_by_phone_and_name as (
    select
        phone,
        person_name,
        any_value(own_identity) as linked_identity
    from with_own_identity
    where own_identity is not null and has_phone_and_name
    group by phone, person_name
    having count(distinct own_identity) = 1
),

identified as (
    select
        with_own_identity.*,
        case
            when with_own_identity.own_identity is not null then with_own_identity.own_identity
            when identities_by_phone_and_name.linked_identity is not null
                then identities_by_phone_and_name.linked_identity
            when with_own_identity.has_phone_and_name
                then 'PHN:' || with_own_identity.phone || ':' || with_own_identity.person_name
            else 'REC:' || with_own_identity.batch_id || ':' || with_own_identity.record_no
        end as identity
    from with_own_identity
    left join identities_by_phone_and_name
        on
            with_own_identity.own_identity is null
            and with_own_identity.has_phone_and_name
            and with_own_identity.phone = identities_by_phone_and_name.phone
            and with_own_identity.person_name = identities_by_phone_and_name.person_name
),

distinct_identities as (
    select distinct identity from identified
),

purged_identities as (
    select * from {{ ref('stg_raw__purged_identities') }}
),

-- the keyed hash (gridwatch.dbt_plugin): once per identity, not once per record
pseudonyms as (
    select
        distinct_identities.identity,
        coalesce(purged_identities.person_key, gw_pseudonym(distinct_identities.identity))
            as person_key
    from distinct_identities
    left join purged_identities on distinct_identities.identity = purged_identities.identity
),

-- the order of each person's records (a window over the keys alone, then joined);
-- by person_key, which a purged record shares with the person's live ones
record_sequence as (
    select
        identified.batch_id,
        identified.record_no,
        row_number() over (
            partition by pseudonyms.person_key
            order by identified.issued_at, identified.batch_id, identified.record_no
        ) as person_record_seq
    from identified
    inner join pseudonyms on identified.identity = pseudonyms.identity
)

select
    identified.batch_id,
    identified.record_no,
    identified.topic,
    identified.issued_at,
    identified.deadline_hours,
    identified.deadline_at,
    identified.person_name,
    identified.id_type,
    identified.id_number,
    identified.id_valid,
    identified.phone,
    identified.phone_valid,
    identified.own_street_code,
    identified.own_community_code,
    identified.identity,
    split_part(identified.identity, ':', 1) as identity_kind,
    pseudonyms.person_key,
    record_sequence.person_record_seq,
    identified.delivery_date,
    identified.file_name,
    identified.row_number
from identified
inner join pseudonyms on identified.identity = pseudonyms.identity
inner join record_sequence
    on
        identified.batch_id = record_sequence.batch_id
        and identified.record_no = record_sequence.record_no
