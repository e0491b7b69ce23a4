{#- A rate is NULL (denominator 0) or lies in [0, 1] (contract §9). -#}
{% test is_rate(model, column_name) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} < 0 or {{ column_name }} > 1 or isnan({{ column_name }})
{% endtest %}
