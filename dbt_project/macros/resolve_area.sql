{#- Resolve a street, community or grid named in a feed (contract §3 "Areas").

    `join_area` emits the left joins, `resolved_area` the resolved code:
    by code first, then by name within the parent area (if `parent_expr` is
    given), then by a name unique in the reference. Unmatched gives NULL.
-#}
{% macro join_area(alias, area_level, text_expr, parent_expr=none) %}
    left join {{ ref('int_areas__lookup') }} as {{ alias }}_code
        on {{ alias }}_code.area_level = '{{ area_level }}'
        and {{ alias }}_code.match_kind = 'code'
        and {{ alias }}_code.lookup_text = {{ text_expr }}
    {%- if parent_expr is not none %}
    left join {{ ref('int_areas__lookup') }} as {{ alias }}_name
        on {{ alias }}_name.area_level = '{{ area_level }}'
        and {{ alias }}_name.match_kind = 'name'
        and {{ alias }}_name.lookup_text = {{ text_expr }}
        and {{ alias }}_name.parent_code = {{ parent_expr }}
    {%- endif %}
    left join {{ ref('int_areas__lookup') }} as {{ alias }}_unique
        on {{ alias }}_unique.area_level = '{{ area_level }}'
        and {{ alias }}_unique.match_kind = 'unique_name'
        and {{ alias }}_unique.lookup_text = {{ text_expr }}
{% endmacro %}

{% macro resolved_area(alias, with_parent=false) -%}
    coalesce(
        {{ alias }}_code.area_code,
        {%- if with_parent %} {{ alias }}_name.area_code,{% endif %}
        {{ alias }}_unique.area_code
    )
{%- endmacro %}
