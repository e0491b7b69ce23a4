select
    delivery_date,
    file_name,
    row_number,
    filing_id,
    uscc,
    uscc_valid,
    enterprise_name,
    community as community_text,
    category,
    event,
    event_time,
    employees_total,
    employees_returned,
    employees_from_risk_areas,
    planned_resume_date,
    inspection_passed
from {{ source('raw', 'enterprise_filing') }}
