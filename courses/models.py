"""Course catalog (Manabi-DX style): built in the catalog issue."""
