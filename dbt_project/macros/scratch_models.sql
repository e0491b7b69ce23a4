{#
  Models configured with database 'scratch' (dbt_project.yml) are built in an
  in-memory database that lives for one dbt invocation. A warehouse built
  before they moved there still holds their old copies under the same schema
  and name: stale, and carrying raw personal values. This on-run-start hook
  drops those copies; on a warehouse without them it does nothing.
#}
{% macro drop_persisted_copies_of_scratch_models() %}
    {%- if execute -%}
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
