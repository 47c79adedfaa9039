"""The requirement catalog: SA-2, TM-G-1, OR-1 and the HKMA's cloud guidance as data (one YAML file per
framework), the Risk Assessment Form's questions, and coverage (which requirements apply and are answered)."""
