"""The rota: working time, absences, clients and the week's appointment requests (forms and CSV), pins."""
