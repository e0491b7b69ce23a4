{#
  Incremental models over a raw feed (contract §2: a load of (feed, D) replaces
  the whole partition) keep the partition_version of every delivery partition
  they have processed. Before each incremental run, rows of partitions that were
  re-loaded (new version) or removed since are deleted; the model then processes
  exactly the partitions it no longer holds. `dbt build --full-refresh`
  (`gridwatch build --full-refresh`) rebuilds from the whole raw layer.
#}

{% macro delete_stale_partitions(feed) %}
    {% if is_incremental() %}
        delete from {{ this }} as held
        where
            held.delivery_date is not null
            and not exists (
                select 1
                from {{ ref('int_load_partitions') }} as current_partitions
                where
                    current_partitions.feed = '{{ feed }}'
                    and current_partitions.delivery_date = held.delivery_date
                    and current_partitions.partition_version = held.partition_version
            )
    {% endif %}
{% endmacro %}


{% macro unprocessed_partitions(feed) %}
    select
        delivery_date,
        partition_version
    from {{ ref('int_load_partitions') }}
    where
        feed = '{{ feed }}'
        {% if is_incremental() %}
            and delivery_date not in (
                select held.delivery_date
                from {{ this }} as held
                where held.delivery_date is not null
            )
        {% endif %}
{% endmacro %}


{% macro delete_dropped_match_keys() %}
    {% if is_incremental() %}
        delete from {{ this }} as held
        where
            held.key_kind is not null
            and not exists (
                select 1
                from {{ ref('int_checkpoint_match_keys') }} as match_keys
                where
                    match_keys.key_kind = held.key_kind
                    and match_keys.key_value = held.key_value
            )
    {% endif %}
{% endmacro %}
