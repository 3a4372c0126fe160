"""The records' HTTP side (docs/records.md): what people and programs read of the recorded lives.

- pages: the blueprint (the pages /streams and /streams/<id>, the JSON API, the exports);
- args: the query values, checked (a bad one is a 400 with a message);
- exports: CSV and JSON Lines, written chunk by chunk as the events are read;
- csvcells: the cells of every CSV the app writes, safe to open in a spreadsheet (no viewer's formula);
- formatting: the Jinja filters of the pages (times, lengths, end reasons).
"""
