{#- The column never exceeds another column of the same row (e.g. backlog <= pushed). -#}
{% test not_greater_than(model, column_name, other) %}
select {{ column_name }}, {{ other }}
from {{ model }}
where {{ column_name }} > {{ other }}
{% endtest %}
