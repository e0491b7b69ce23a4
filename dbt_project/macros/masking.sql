{#- Masked personal values for person-level marts (contract §9). -#}

{#- First character, then one '*' per remaining character: 张三丰 -> 张** -#}
{% macro mask_name(expr) -%}
    case when {{ expr }} is not null
        then left({{ expr }}, 1) || repeat('*', length({{ expr }}) - 1)
    end
{%- endmacro %}

{#- First 3 and last 4 characters kept, the rest '*'. Values of 7 characters
    or fewer are masked whole, since keeping 3 + 4 would reveal them. -#}
{% macro mask_keep_3_4(expr) -%}
    case
        when {{ expr }} is null then null
        when length({{ expr }}) <= 7 then repeat('*', length({{ expr }}))
        else left({{ expr }}, 3) || repeat('*', length({{ expr }}) - 7) || right({{ expr }}, 4)
    end
{%- endmacro %}
