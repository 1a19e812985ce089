from django.contrib import admin

from . import models as m

admin.site.register([m.Payer, m.Plan, m.Policy, m.PolicyVersion, m.Drug, m.DrugName, m.DrugClass, m.Product, m.Diagnosis,
                     m.DiagnosisAlias, m.Question, m.Icd10Code, m.PolicyDiagnosis, m.DrugList, m.DrugListEntry, m.ClinicalList,
                     m.WeightTable, m.WeightRow, m.CriterionNode, m.QuantityLimit, m.ApprovalDuration])
