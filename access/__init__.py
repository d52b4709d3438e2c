"""Door access in Eigenregie: the rules, free of the database and of HTTP.

* :mod:`access.codes`: generating codes and refusing trivial ones;
* :mod:`access.hashing`: argon2id over an HMAC with a pepper kept outside the database;
* :mod:`access.windows`: when a code opens a door (margins, the cut between two groups);
* :mod:`access.limiter`: the brute-force budget of a terminal;
* :mod:`access.validation`: checking a typed code against the candidates at a door;
* :mod:`access.bundle`: signed offline bundles for terminals;
* :mod:`access.interface`: the small named interface through which ``access`` knows bookings.

``booking`` imports ``access``; ``access`` imports nothing of ``booking`` (DESIGN §6). The tables
live in ``booking/models/access.py`` for that reason.
"""
