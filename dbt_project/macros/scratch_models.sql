{#
  Models configured with database 'scratch' (dbt_project.yml) are built in an
  in-memory database that lives for one dbt invocation. A warehouse built
  before they moved there still holds their old copies under the same schema
  and name: stale, and carrying raw personal values. This on-run-start hook
  drops those copies; on a warehouse without them it does nothing.
  It also stops the build if an incremental model would be built in scratch:
  its state would be lost with the database, and every build would start it
  afresh. Each incremental model sets database=target.database in its config().
#}
{% macro drop_persisted_copies_of_scratch_models() %}
    {%- if execute -%}
        {%- for node in graph.nodes.values()
            if node.resource_type == 'model' and node.database == 'scratch'
            and node.config.materialized == 'incremental' -%}
            {%- do exceptions.raise_compiler_error(
                "incremental model " ~ node.name ~ " would be built in the in-memory"
                ~ " scratch database and lose its state: set database=target.database"
                ~ " in its config()"
            ) -%}
        {%- endfor -%}
        {#- (schema, name) of each scratch model, as it was named in the warehouse -#}
        {%- set scratch_models = [] -%}
        {%- for node in graph.nodes.values()
            if node.resource_type == 'model' and node.database == 'scratch' -%}
            {%- do scratch_models.append((node.schema, node.alias)) -%}
        {%- endfor -%}
        {%- set persisted = run_query(
            "select table_schema, table_name, table_type from information_schema.tables"
            ~ " where table_catalog = '" ~ target.database ~ "'"
        ) -%}
        {%- for row in persisted if (row[0], row[1]) in scratch_models -%}
            {%- do run_query(
                "drop " ~ ("view" if row[2] == "VIEW" else "table")
                ~ ' if exists "' ~ target.database ~ '"."' ~ row[0] ~ '"."' ~ row[1] ~ '"'
            ) -%}
            {{ log("dropped the persisted copy of scratch model " ~ row[1], info=true) }}
        {%- endfor -%}
    {%- endif -%}
    select 1
{% endmacro %}


{#
  int_push_records__enriched and int_persons were rebuilt in full on every run
  before they became incremental by person. A warehouse still holding such a
  copy (without the input_fingerprint column the incremental runs compare) gets
  it dropped by this on-run-start hook, so the next build starts them afresh.
  Likewise an incremental model that lists `state_columns` in its meta (columns
  added to its state since, e.g. int_person_days) is dropped when its table
  lacks one of them: appending to it would fail (on_schema_change='fail').
#}
{% macro drop_person_state_without_fingerprints() %}
    {%- if execute -%}
        {%- for node in graph.nodes.values()
            if node.resource_type == 'model'
            and node.config.materialized == 'incremental' -%}
            {%- if 'input_fingerprint' in node.columns -%}
                {%- set required = ['input_fingerprint'] -%}
            {%- else -%}
                {%- set required = (node.config.meta or {}).get('state_columns') or [] -%}
            {%- endif -%}
            {%- if required -%}
                {%- set columns = run_query(
                    "select column_name from information_schema.columns"
                    ~ " where table_catalog = '" ~ target.database ~ "'"
                    ~ " and table_schema = '" ~ node.schema ~ "'"
                    ~ " and table_name = '" ~ node.alias ~ "'"
                ).columns[0].values() | list -%}
                {%- set missing = required | reject('in', columns) | list -%}
                {%- if columns and missing -%}
                    {#- through the adapter, so dbt's relation cache forgets it too -#}
                    {%- do adapter.drop_relation(api.Relation.create(
                        database=target.database, schema=node.schema, identifier=node.alias, type='table'
                    )) -%}
                    {{ log("dropped " ~ node.alias ~ ", built without " ~ missing | join(", "), info=true) }}
                {%- endif -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    select 1
{% endmacro %}
