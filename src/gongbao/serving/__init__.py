"""What the JSON API (``gongbao.api``) and the web pages (``gongbao.web``) both read when they
answer a request: the store of the thread serving it (``stores``), the search, date and CSV
parameters they accept (``params``). Here, below both, so that neither imports the other;
``gongbao.http`` composes them into one application.
"""
