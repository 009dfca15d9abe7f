/* A test plugin without the entry point librl looks for. */
int noentry_something_else(void);
int noentry_something_else(void) { return 42; }
