"""A second factor at sign-in (django-otp): an authenticator app (TOTP) and ten single-use recovery codes.

`policy` says who must have one, `services` sets up, checks, removes and resets devices (logging each event to the
access log), `middleware` sends a person to these pages before any other, `views` are the pages."""
