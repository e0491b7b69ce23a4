select
    checkpoint_code,
    checkpoint_name,
    community_code,
    kind as checkpoint_kind
from {{ source('raw', 'ref_checkpoints') }}
