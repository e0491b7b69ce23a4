-- Every way a feed may name a street, community or grid (contract §3 "Areas"):
-- by code, by name within its parent area, or by a name that is unique in the
-- whole reference. Ambiguous names are left out, so they stay unresolved.
with

areas as (
    select * from {{ ref('stg_raw__areas') }}
),

grids as (
    select * from {{ ref('stg_raw__grids') }}
),

streets as (
    select distinct
        street_code,
        street_name
    from areas
),

street_lookups as (
    select
        'street' as area_level,
        'code' as match_kind,
        street_code as lookup_text,
        cast(null as varchar) as parent_code,
        street_code as area_code
    from streets
    union all
    select
        'street' as area_level,
        'unique_name' as match_kind,
        street_name as lookup_text,
        null as parent_code,
        any_value(street_code) as area_code
    from streets
    group by street_name
    having count(*) = 1
),

community_lookups as (
    select
        'community' as area_level,
        'code' as match_kind,
        community_code as lookup_text,
        street_code as parent_code,
        community_code as area_code
    from areas
    union all
    select
        'community' as area_level,
        'name' as match_kind,
        community_name as lookup_text,
        street_code as parent_code,
        any_value(community_code) as area_code
    from areas
    group by community_name, street_code
    having count(*) = 1
    union all
    select
        'community' as area_level,
        'unique_name' as match_kind,
        community_name as lookup_text,
        null as parent_code,
        any_value(community_code) as area_code
    from areas
    group by community_name
    having count(*) = 1
),

grid_lookups as (
    select
        'grid' as area_level,
        'code' as match_kind,
        grid_code as lookup_text,
        community_code as parent_code,
        grid_code as area_code
    from grids
    union all
    select
        'grid' as area_level,
        'name' as match_kind,
        grid_name as lookup_text,
        community_code as parent_code,
        any_value(grid_code) as area_code
    from grids
    group by grid_name, community_code
    having count(*) = 1
    union all
    select
        'grid' as area_level,
        'unique_name' as match_kind,
        grid_name as lookup_text,
        null as parent_code,
        any_value(grid_code) as area_code
    from grids
    group by grid_name
    having count(*) = 1
)

select * from street_lookups
union all
select * from community_lookups
union all
select * from grid_lookups
