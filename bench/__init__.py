"""Performance benchmark of a large generated partnership (issue 13): `make bench-data`, then `make bench`."""
