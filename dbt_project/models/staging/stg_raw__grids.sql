select
    grid_code,
    grid_name,
    community_code
from {{ source('raw', 'ref_grids') }}
