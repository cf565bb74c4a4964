# Refund-request rule; dates arrive as ISO "YYYY-MM-DD" strings in input.
# time.parse_ns reads them as UTC midnight, so a day is exactly 86400e9 ns.
package refund

import rego.v1

default allow := false

day_ns := 86400000000000

allow if {
	input.shipped_on
	not input.buyer_confirmed_on
	not input.refund_requested_on
	days_since_shipping >= opening_offset_days
	days_since_shipping <= deadline_offset_days
}

days_since_shipping := (time.parse_ns("2006-01-02", input.today) - time.parse_ns("2006-01-02", input.shipped_on)) / day_ns

immediate_opening if input.promised_delivery_days < 10

immediate_opening if object.get(input, "order_kind", "standard") in {"russian_boutique", "local_warehouse"}

opening_offset_days := 0 if immediate_opening

opening_offset_days := 10 if not immediate_opening

# Not max([...]): regopy 1.5.2's max/min/sort order numbers as text (max([10, 7]) == 7).
longest_delivery_days := input.promised_delivery_days if {
	input.promised_delivery_days >= input.platform_default_delivery_days
} else := input.platform_default_delivery_days

deadline_offset_days := longest_delivery_days + object.get(input, "delivery_extension_days", 0)
