"""HL7 FHIR and CDS Hooks: the Da Vinci CRD order-sign service (issue 17, part 3) and an offline profile checker."""
