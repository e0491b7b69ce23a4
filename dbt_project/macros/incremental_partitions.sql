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


{#
  The (delivery_date, partition_version) rows of `days`, the partitions a run
  processes: pass the dates `unprocessed_partition_dates` returned, so the
  partitions marked as processed are exactly the ones whose rows were read.
#}
{% macro unprocessed_partitions(feed, days) %}
    select
        delivery_date,
        partition_version
    from {{ ref('int_load_partitions') }}
    where
        feed = '{{ feed }}'
        and {{ delivery_date_in(days) }}
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


{#
  The delivery dates of checkpoint partitions already held by
  int_checkpoint_events__matched that hold a match key it has not looked up yet
  (from the int_checkpoint_key_partitions index), to be read again. Computed
  while the model compiles, before its pre-hooks run, so stale partitions are
  excluded by their version here too.
#}
{% macro held_partitions_holding_new_keys() %}
    {% set days = [] %}
    {% if execute and is_incremental() %}
        {% set lookup %}
            with
            held_partitions as (
                select held.delivery_date
                from {{ this }} as held
                inner join {{ ref('int_load_partitions') }} as current_partitions
                    on
                        current_partitions.feed = 'checkpoint'
                        and held.delivery_date = current_partitions.delivery_date
                        and held.partition_version = current_partitions.partition_version
                where held.key_kind is null
            ),

            new_keys as (
                select key_kind, key_value from {{ ref('int_checkpoint_match_keys') }}
                except
                select key_kind, key_value from {{ this }} where delivery_date is null
            )

            select distinct key_partitions.delivery_date
            from {{ ref('int_checkpoint_key_partitions') }} as key_partitions
            inner join new_keys
                on
                    key_partitions.key_kind = new_keys.key_kind
                    and key_partitions.key_value = new_keys.key_value
            where key_partitions.delivery_date in (select delivery_date from held_partitions)
            order by 1
        {% endset %}
        {% do days.extend(dates_of(lookup)) %}
    {% endif %}
    {{ return(days) }}
{% endmacro %}


{#
  The delivery dates of the feed's partitions not yet processed (new, or held
  with an older version), known while the model compiles, so that the raw scan
  is filtered by constants and DuckDB skips the row groups of every other day.
  Computed before the pre-hooks run, hence the version check.
#}
{% macro unprocessed_partition_dates(feed) %}
    {% set days = [] %}
    {% if execute %}
        {% set lookup %}
            select current_partitions.delivery_date
            from {{ ref('int_load_partitions') }} as current_partitions
            where
                current_partitions.feed = '{{ feed }}'
                {% if is_incremental() %}
                    and not exists (
                        select 1
                        from {{ this }} as held
                        where
                            held.delivery_date = current_partitions.delivery_date
                            and held.partition_version = current_partitions.partition_version
                    )
                {% endif %}
            order by 1
        {% endset %}
        {% do days.extend(dates_of(lookup)) %}
    {% endif %}
    {{ return(days) }}
{% endmacro %}


{# `delivery_date in (<dates>)` for a list of dates (false when empty). #}
{% macro delivery_date_in(days, column='delivery_date') -%}
    {%- if days | length == 0 -%}
        false
    {%- else -%}
        {{ column }} in ({% for day in days %}date '{{ day }}'{{ ", " if not loop.last }}{% endfor %})
    {%- endif -%}
{%- endmacro %}


{#
  int_person_days keeps a person's rows while their fingerprint is unchanged:
  delete the rows of persons whose fingerprint changed or who are gone, and
  the rows of report dates no longer in the spine.
#}
{% macro delete_changed_person_days() %}
    {% if is_incremental() %}
        delete from {{ this }} as held
        where
            not exists (
                select 1
                from {{ ref('int_person_fingerprints') }} as fingerprints
                where
                    fingerprints.person_key = held.person_key
                    and fingerprints.person_fingerprint = held.person_fingerprint
            )
            or held.report_date not in (
                select report_dates.report_date from {{ ref('int_report_dates') }} as report_dates
            )
    {% endif %}
{% endmacro %}


{#
  The first column of a query's rows, run while the model compiles. Only a
  build (or run) has the in-memory `scratch` parents these lookups read; any
  other command that compiles the models (docs generate, compile) gets no
  dates, as on an empty warehouse.
#}
{% macro dates_of(query) %}
    {% set values = [] %}
    {% if flags.WHICH in ['build', 'run'] %}
        {% for row in run_query(query) %}
            {% do values.append(row[0]) %}
        {% endfor %}
    {% endif %}
    {{ return(values) }}
{% endmacro %}


{#
  int_push_records__enriched and int_persons keep a person's rows while the
  person's int_person_inputs fingerprint is unchanged: delete the rows of
  persons whose fingerprint changed or who are gone (an identity link can
  merge two persons into one).
#}
{% macro delete_persons_with_changed_inputs() %}
    {% if is_incremental() %}
        delete from {{ this }} as held
        where not exists (
            select 1
            from {{ ref('int_person_inputs') }} as inputs
            where
                inputs.person_key = held.person_key
                and inputs.input_fingerprint = held.input_fingerprint
        )
    {% endif %}
{% endmacro %}


{#
  The relation of int_push_records__enriched as held in the warehouse, whose
  input_fingerprint column int_person_inputs compares with: none on a first
  build, on --full-refresh (which rebuilds it from every person), and outside
  a build or run.
#}
{% macro held_person_inputs() %}
    {% set held = none %}
    {% if execute and flags.WHICH in ['build', 'run'] and not flags.FULL_REFRESH %}
        {% set enriched = graph.nodes['model.gridwatch.int_push_records__enriched'] %}
        {% set held = adapter.get_relation(
            database=enriched.database, schema=enriched.schema, identifier=enriched.alias
        ) %}
    {% endif %}
    {{ return(held) }}
{% endmacro %}
