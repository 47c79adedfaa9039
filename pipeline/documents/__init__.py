"""The documents regpack produces. One module per document type holds its spec (key, title, audience,
template, pack order), its context function and the names its template may use; `registry` lists them."""
