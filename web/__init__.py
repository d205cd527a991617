"""The thin web layer: pages, linked data, downloads and the SPARQL endpoint, put together by
`web.app.create_app`; views reach the current store and settings through `web.current`."""
