"""The report's HTML: one page, inline CSS and SVG, no scripts, no external resources."""

PAGE = """<!DOCTYPE html>
<html lang="{{ lang }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy"
      content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>{{ title }} · {{ as_of }}</title>
<style>
  body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0;
         color: #0f172a; background: #f8fafc; }
  header { background: #1e293b; color: #f8fafc; padding: 16px 32px; }
  header h1 { margin: 0 0 4px; font-size: 22px; }
  header p { margin: 0; color: #cbd5e1; font-size: 13px; }
  main { max-width: 1100px; margin: 0 auto; padding: 16px 32px 48px; }
  section { background: #fff; border: 1px solid #e2e8f0; border-radius: 8px; padding: 16px 20px;
            margin: 16px 0; }
  h2 { font-size: 17px; margin: 0 0 12px; }
  figure { margin: 8px 0; } figure svg { max-width: 100%; height: auto; }
  table { border-collapse: collapse; width: 100%; font-size: 13px; }
  th, td { padding: 6px 8px; border-bottom: 1px solid #e2e8f0; text-align: right; }
  th { background: #f1f5f9; font-weight: 600; }
  th:first-child, td:first-child, td.text, th.text { text-align: left; }
  .no-data { color: #64748b; font-style: italic; }
  .status-ahead { color: #15803d; } .status-behind { color: #b91c1c; }
  .severity-high { color: #b91c1c; font-weight: 600; } .severity-medium { color: #b45309; }
  .charts { display: grid; grid-template-columns: 1fr; gap: 8px; }
</style>
</head>
<body>
<header>
  <h1>{{ title }}</h1>
  <p>{{ t('as_of') }} {{ as_of }} · {{ t('generated') }} {{ generated }}</p>
</header>
<main>
{% for section in sections %}
<section id="{{ section.id }}" data-has-data="{{ 'true' if section.has_data else 'false' }}">
  <h2>{{ section.title }}</h2>
  {% if not section.has_data %}
  <p class="no-data">{{ t('no_data') }}</p>
  {% endif %}
  {% for chart in section.charts %}
  <figure class="chart" role="img" aria-label="{{ chart.title }}">{{ chart.svg | safe }}</figure>
  {% endfor %}
  {% if section.table %}
  <table>
    <thead><tr>
    {% for head in section.table.headers %}
      <th class="{{ head.css }}">{{ head.text }}</th>
    {% endfor %}
    </tr></thead>
    <tbody>
    {% for row in section.table.rows %}
      <tr>{% for cell in row %}<td class="{{ cell.css }}">{{ cell.text }}</td>{% endfor %}</tr>
    {% endfor %}
    </tbody>
  </table>
  {% endif %}
</section>
{% endfor %}
</main>
</body>
</html>
"""
