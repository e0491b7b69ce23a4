select
    district_code,
    district_name,
    street_code,
    street_name,
    community_code,
    community_name
from {{ source('raw', 'ref_areas') }}
