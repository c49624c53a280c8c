# Consent releases and care-coordination shares: see the consent and sharing issues.
