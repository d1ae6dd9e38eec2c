"""Amazon's purchase orders to the vendor (Vendor Orders API): the scheduled pull into the lake, the state the
alerts read, On-Time-In-Full, and the alerts themselves."""
