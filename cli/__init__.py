"""The `lacat` command line (the top layer): composes the build, the data packages and the server."""
