"""Evidence files a step carries (a receipt, a home visit's photo, a medical note): checked, stored
outside the database by their SHA-256, recorded on the step's audit event, served in the case's scope."""
