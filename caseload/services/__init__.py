"""Services: the verbs of the product, grouped by the product's areas. They commit or roll back; views never do.

- `planning/`: a team's week as the planner sees it and back: the problem (`problem`) and the one way between
  rows and the planner's documents (`boundary`), background runs
  (`runs`, `job_watch`, `job_reaper`), draft and published plans (`plans`), adjusting a draft (`adjust`,
  and its click-to-move offers `move_offers`),
  the review page's team view (`team_grid`), publishing (`publish_summary`), the weights and their what-if
  (`weights`), and the planner's words for a leader (`plan_words`, `rule_text`).
- `rota/`: the week's working time and the work to place (`week`: absences, targets, clients; `requests`: the
  week's appointment requests),
  pins (`pins`), entry warnings (`coverage`), CSV import and its templates (`csv_import`, `csv_templates`),
  the paged lists of clients and requests (`listings`).
- `desk/`: the booking desk: what is asked (`asks`), the week as the desk sees it (`desk_week`), offers
  (`offers`), booking, cancelling and series (`booking`, `cancelling`, `series`), new published versions
  (`versions`), retries answered once (`idempotency`), and attendance (`attendance`).
- `clients/`: an advisor's week and caseload (`caseload`, `calendar_grid`), notes (`notes`), a client's own
  data (`client_data`).
- `people/`: accounts and sign-in (`accounts`, `users`, `api_tokens`), administrators' set-up (accounts
  `user_admin`, teams `team_admin`, skills and appointment types `code_admin`, advisors `advisor_admin`, what
  their saves share `admin_saves`, their pages' lists `admin_lists`), an advisor's own time and calendar feed
  (`preferences`, `calendar_feed`).
- `region/`: every team's week at once (`runs`) and its bench (`bench`).
- `audit` (the audit log, written and read), `reports`, `csv_export` (every CSV download), `name_lookup` (a row
  found by a typed name: client reference, team, username), `unique_keys` (a UNIQUE key's refusal told from the
  other integrity errors) and `demo` (the demo office) serve all areas.
"""
