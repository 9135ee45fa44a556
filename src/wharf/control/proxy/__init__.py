"""The Docker Engine API, served by Wharf: authenticate, authorize every resource a
request touches, rewrite what must be rewritten (labels, placement), forward to the
engine, and filter what comes back."""
