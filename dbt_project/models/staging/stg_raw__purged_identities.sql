-- Identities whose personal values were purged (gridwatch purge): the tokenised
-- identity a purged push record now resolves to, and the person_key it had.
select
    identity,
    person_key
from {{ source('raw', 'purged_identities') }}
