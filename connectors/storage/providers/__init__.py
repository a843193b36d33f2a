"""One module per storage provider, each behind the same small interface (`base.Provider`)."""
