"""The booking desk: offers, bookings and series between batch plans, retries answered once, and attendance."""
