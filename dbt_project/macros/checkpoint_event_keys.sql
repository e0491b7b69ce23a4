{#
  The values a checkpoint event can be matched by (contract §7), one row per
  (event, key): its valid RIC as key_kind 'RIC', its valid phone as 'PHONE'.
  Only the partitions of `days` are read, and each branch scans them once (a
  CTE over the events referenced twice would be materialised by DuckDB).
  `columns`: the event columns (or expressions) to keep.
  The key index (int_checkpoint_key_partitions) and the matches
  (int_checkpoint_events__matched) both use it, so they agree on the keys.
#}
{% macro checkpoint_event_keys(days, columns) %}
    select
        {{ columns }},
        'RIC' as key_kind,
        id_number as key_value
    from {{ ref('stg_raw__checkpoint') }}
    where id_valid and {{ delivery_date_in(days) }}
    union all
    select
        {{ columns }},
        'PHONE' as key_kind,
        phone as key_value
    from {{ ref('stg_raw__checkpoint') }}
    where phone_valid and {{ delivery_date_in(days) }}
{% endmacro %}
