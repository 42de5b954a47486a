"""The library on disk: the SQLite catalog (documents, pages, chunks, figures, callouts, the ask log),
the FAISS vectors and the manifest, and the records that cross layers; the only place with SQL."""
