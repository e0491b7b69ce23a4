{{ config(materialized='view') }}
-- Where each push record belongs (contract §8):
--   community(r): the community of the latest verification of r itself whose
--                 community resolves, else r's own community, else _UNDISPATCHED;
--   street(r):    that community's street, else r's own street, else _UNRESOLVED;
--   grid(r):      the grid of the latest verification of r whose grid resolves.
-- "Latest" is by verified_at, then delivery order.
with

push_records as (
    select * from {{ ref('int_push_records__of_changed_persons') }}
),

verifications as (
    select * from {{ ref('int_verifications__of_changed_persons') }}
),

areas as (
    select * from {{ ref('stg_raw__areas') }}
),

latest_verified_community as (
    select
        batch_id,
        record_no,
        community_code
    from verifications
    where community_code is not null
    qualify row_number() over (
            partition by batch_id, record_no
            order by verified_at desc, delivery_date desc, file_name desc, row_number desc
        ) = 1
),

latest_verified_grid as (
    select
        batch_id,
        record_no,
        grid_code
    from verifications
    where grid_code is not null
    qualify row_number() over (
            partition by batch_id, record_no
            order by verified_at desc, delivery_date desc, file_name desc, row_number desc
        ) = 1
),

attributed as (
    select
        push_records.batch_id,
        push_records.record_no,
        coalesce(
            latest_verified_community.community_code, push_records.own_community_code
        ) as resolved_community_code,
        push_records.own_street_code,
        latest_verified_grid.grid_code
    from push_records
    left join latest_verified_community
        on
            push_records.batch_id = latest_verified_community.batch_id
            and push_records.record_no = latest_verified_community.record_no
    left join latest_verified_grid
        on
            push_records.batch_id = latest_verified_grid.batch_id
            and push_records.record_no = latest_verified_grid.record_no
)

select
    attributed.batch_id,
    attributed.record_no,
    coalesce(attributed.resolved_community_code, '_UNDISPATCHED') as community_code,
    coalesce(areas.street_code, attributed.own_street_code, '_UNRESOLVED') as street_code,
    attributed.grid_code
from attributed
left join areas on attributed.resolved_community_code = areas.community_code
